{#- Inner joins: fact_cart_items' relationships tests guarantee every line has its product and user,
    and the reconciliation test proves no line was dropped. -#}
with

cart_items as (

    select
        cart_id,
        product_id,
        user_id,
        order_date,
        quantity,
        line_revenue
    from {{ ref('fact_cart_items') }}

),

products as (

    select
        product_id,
        category
    from {{ ref('dim_products') }}

),

customers as (

    select
        user_id,
        city
    from {{ ref('dim_users') }}

),

final as (

    select
        cart_items.order_date,
        products.category,
        customers.city as customer_city,
        count(distinct cart_items.cart_id) as carts,
        sum(cart_items.quantity) as units_sold,
        {{ money('sum(cart_items.line_revenue)') }} as gross_revenue
    from cart_items
    inner join products
        on cart_items.product_id = products.product_id
    inner join customers
        on cart_items.user_id = customers.user_id
    group by
        cart_items.order_date,
        products.category,
        customers.city

)

select
    order_date,
    category,
    customer_city,
    carts,
    units_sold,
    gross_revenue
from final
