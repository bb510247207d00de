{#- Point in time, restated independently of the facts' join: the version of a key in effect at a
    moment is its latest version with valid_from <= that moment, and a key with no version at all is
    the unknown member (doc block unknown_member), with no price and no revenue. A partitioned build
    tests the days it rebuilt (doc block carts_window), so a daily run costs a day, not the facts'
    history; a full build tests every day. -#}
with

cart_items as (

    select
        cart_item_id,
        product_id,
        product_sk,
        user_id,
        user_sk,
        ordered_at,
        quantity,
        unit_price,
        line_revenue
    from {{ ref('fact_cart_items') }}
    where {{ carts_window('order_date') }}

),

carts as (

    select
        cart_id,
        user_id,
        user_sk,
        ordered_at
    from {{ ref('fact_carts') }}
    where {{ carts_window('order_date') }}

),

product_versions as (

    select
        product_sk,
        product_id,
        price,
        valid_from
    from {{ ref('dim_products') }}

),

user_versions as (

    select
        user_sk,
        user_id,
        valid_from
    from {{ ref('dim_users') }}

),

line_products as (

    select
        'fact_cart_items.product_sk' as checked,
        cart_items.cart_item_id as row_id,
        cart_items.ordered_at,
        cart_items.product_sk as actual_sk,
        coalesce(in_effect.product_sk, {{ unknown_member_sk() }}) as expected_sk,
        cart_items.unit_price as actual_price,
        in_effect.price as expected_price,
        cart_items.line_revenue as actual_revenue,
        {{ money('cart_items.quantity * in_effect.price') }} as expected_revenue
    from cart_items
    left join lateral (
        select
            product_versions.product_sk,
            product_versions.price
        from product_versions
        where product_versions.product_id = cart_items.product_id
            and product_versions.valid_from <= cart_items.ordered_at
        order by product_versions.valid_from desc
        limit 1
    ) as in_effect on true

),

user_references as (

    select
        'fact_cart_items.user_sk' as checked,
        cart_item_id as row_id,
        user_id,
        user_sk,
        ordered_at
    from cart_items

    union all

    select
        'fact_carts.user_sk' as checked,
        cart_id::text as row_id,
        user_id,
        user_sk,
        ordered_at
    from carts

),

reference_users as (

    select
        user_references.checked,
        user_references.row_id,
        user_references.ordered_at,
        user_references.user_sk as actual_sk,
        coalesce(in_effect.user_sk, {{ unknown_member_sk() }}) as expected_sk,
        null::numeric as actual_price,
        null::numeric as expected_price,
        null::numeric as actual_revenue,
        null::numeric as expected_revenue
    from user_references
    left join lateral (
        select user_versions.user_sk
        from user_versions
        where user_versions.user_id = user_references.user_id
            and user_versions.valid_from <= user_references.ordered_at
        order by user_versions.valid_from desc
        limit 1
    ) as in_effect on true

),

checks as (

    select * from line_products
    union all
    select * from reference_users

)

select *
from checks
where actual_sk is distinct from expected_sk
    or actual_price is distinct from expected_price
    or actual_revenue is distinct from expected_revenue
