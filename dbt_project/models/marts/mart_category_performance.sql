{#- Category at the time of the sale (the product version the line was priced with); 'unknown' for the
    lines on the unknown member (doc block unknown_member), which add units and no revenue. Every
    category sold, in every month from the first month with a sale to the last, zeros included (doc
    block mart_category_performance), as mart_daily_revenue fills the days without carts. The calendar,
    read twice, is inlined rather than materialized: a CTE scan keeps PostgreSQL from planning parallel
    workers for the sales' join and sort (6.5 s serial, 3.5 s in parallel at a million carts). -#}
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

calendar as not materialized (

    select
        date_day,
        month_start
    from {{ ref('dim_date') }}

),

category_sales as (

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

categories as (

    select distinct category
    from category_sales

),

sales_span as (

    select
        min(month) as first_month,
        max(month) as last_month
    from category_sales

),

months as (

    select distinct calendar.month_start as month
    from calendar
    inner join sales_span
        on calendar.month_start between sales_span.first_month and sales_span.last_month

),

category_months as (

    select
        categories.category,
        months.month,
        coalesce(category_sales.revenue, 0) as revenue,
        coalesce(category_sales.units, 0) as units,
        coalesce(category_sales.carts, 0) as carts
    from categories
    cross join months
    left join category_sales
        on categories.category = category_sales.category
        and months.month = category_sales.month

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
