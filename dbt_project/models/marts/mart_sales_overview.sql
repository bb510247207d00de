{#- Inner joins: every line points at its product and user version or at the unknown member (doc block
    unknown_member), as fact_cart_items' not_null and relationships tests guarantee, and the
    check totals_reconcile_with_facts proves no line was dropped. -#}
with

cart_items as (

    select
        cart_id,
        product_sk,
        user_sk,
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

customer_versions as (

    select
        user_sk,
        city
    from {{ ref('dim_users') }}

),

final as (

    select
        cart_items.order_date,
        product_versions.category,
        customer_versions.city as customer_city,
        count(distinct cart_items.cart_id) as carts,
        sum(cart_items.quantity) as units_sold,
        {{ money('coalesce(sum(cart_items.line_revenue), 0)') }} as gross_revenue
    from cart_items
    inner join product_versions
        on cart_items.product_sk = product_versions.product_sk
    inner join customer_versions
        on cart_items.user_sk = customer_versions.user_sk
    group by
        cart_items.order_date,
        product_versions.category,
        customer_versions.city

)

select
    order_date,
    category,
    customer_city,
    carts,
    units_sold,
    gross_revenue
from final
