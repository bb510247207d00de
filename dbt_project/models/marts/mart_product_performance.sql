{#- One row per product of the catalogue and per product id a cart names that the catalogue never held,
    labelled as the unknown member (doc block unknown_member). -#}
with

cart_items as (

    select
        cart_id,
        product_id,
        order_date,
        quantity,
        line_revenue
    from {{ ref('fact_cart_items') }}

),

{#- The current version of each product, or the last one of a product no longer in the catalogue. -#}
products as (

    select distinct on (product_id)
        product_id,
        title,
        category,
        is_current
    from {{ ref('dim_products') }}
    where product_id != {{ unknown_member_id() }}
    order by product_id, valid_from desc

),

unknown_product as (

    select
        title,
        category
    from {{ ref('dim_products') }}
    where product_id = {{ unknown_member_id() }}

),

product_sales as (

    select
        product_id,
        sum(quantity) as units,
        sum(line_revenue) as revenue,
        count(distinct cart_id) as carts,
        max(order_date) as last_sold_date
    from cart_items
    group by product_id

),

product_totals as (

    select
        coalesce(products.product_id, product_sales.product_id) as product_id,
        coalesce(products.title, unknown_product.title) as title,
        coalesce(products.category, unknown_product.category) as category,
        coalesce(products.is_current, false) as is_in_catalogue,
        coalesce(product_sales.units, 0) as units,
        coalesce(product_sales.revenue, 0) as revenue,
        coalesce(product_sales.carts, 0) as carts,
        product_sales.last_sold_date
    from products
    full outer join product_sales
        on products.product_id = product_sales.product_id
    cross join unknown_product

),

final as (

    select
        product_id,
        title,
        category,
        is_in_catalogue,
        units,
        {{ money('revenue') }} as revenue,
        carts,
        rank() over (order by revenue desc) as revenue_rank,
        rank() over (partition by category order by revenue desc) as category_revenue_rank,
        {{ share('revenue', 'sum(revenue) over (partition by category)') }} as category_revenue_share,
        last_sold_date
    from product_totals

)

select
    product_id,
    title,
    category,
    is_in_catalogue,
    units,
    revenue,
    carts,
    revenue_rank,
    category_revenue_rank,
    category_revenue_share,
    last_sold_date
from final
