with

cart_items as (

    select * from {{ ref('stg_cart_items') }}

),

carts as (

    select * from {{ ref('stg_carts') }}

),

{#- The one place a line gets its price. Today that is the current catalogue price; price history
    (older product snapshot batches) will replace this CTE with a point-in-time lookup. -#}
product_prices as (

    select
        product_id,
        price as unit_price
    from {{ ref('dim_products') }}

),

final as (

    select

        ---------- ids
        cart_items.cart_item_id,
        cart_items.cart_id,
        cart_items.line_number,
        cart_items.product_id,
        cart_items.user_id,

        ---------- dates
        cart_items.order_date,
        carts.ordered_at,

        ---------- numerics
        cart_items.quantity,
        product_prices.unit_price,
        {{ money('cart_items.quantity * product_prices.unit_price') }} as line_revenue

    from cart_items
    inner join carts
        on cart_items.cart_id = carts.cart_id
    left join product_prices
        on cart_items.product_id = product_prices.product_id

)

select * from final
