with

carts as (

    select * from {{ ref('stg_carts') }}

),

cart_items as (

    select * from {{ ref('fact_cart_items') }}

),

cart_totals as (

    select
        cart_id,
        sum(quantity) as units,
        sum(line_revenue) as cart_revenue
    from cart_items
    group by cart_id

),

final as (

    select

        ---------- ids
        carts.cart_id,
        carts.user_id,

        ---------- dates
        carts.order_date,
        carts.ordered_at,

        ---------- numerics
        carts.line_count,
        coalesce(cart_totals.units, 0) as units,
        {{ money('coalesce(cart_totals.cart_revenue, 0)') }} as cart_revenue

    from carts
    left join cart_totals
        on carts.cart_id = cart_totals.cart_id

)

select * from final
