{#- Category at the time of the sale (the product version the line was priced with); 'unknown' for the
    lines on the unknown member (doc block unknown_member), which add units and no revenue. -#}
with

cart_items as (

    select
        cart_id,
        product_sk,
        order_date,
        quantity,
        line_revenue
    from {{ ref('fact_cart_items') }}

),

product_versions as (

    select
        product_sk,
        category
    from {{ ref('dim_products') }}

),

calendar as (

    select
        date_day,
        month_start
    from {{ ref('dim_date') }}

),

category_months as (

    select
        product_versions.category,
        calendar.month_start as month,
        coalesce(sum(cart_items.line_revenue), 0) as revenue,
        sum(cart_items.quantity) as units,
        count(distinct cart_items.cart_id) as carts
    from cart_items
    inner join product_versions
        on cart_items.product_sk = product_versions.product_sk
    inner join calendar
        on cart_items.order_date = calendar.date_day
    group by
        product_versions.category,
        calendar.month_start

),

final as (

    select
        category,
        month,
        {{ money('revenue') }} as revenue,
        units,
        carts,
        {{ share('revenue', 'sum(revenue) over (partition by month)') }} as month_revenue_share
    from category_months

)

select
    category,
    month,
    revenue,
    units,
    carts,
    month_revenue_share
from final
