{#- Point in time, restated independently of the facts' join: the version of a key in effect at a
    moment is its latest version with valid_from <= that moment (here: the version that starts at or
    before it and whose key's next version, if any, starts after it), and a key with no version at all
    is the unknown member (doc block unknown_member), with no price and no revenue. Written as hash
    joins, not a lateral lookup per row, so PostgreSQL can plan parallel workers (a lateral subquery
    with a limit never runs in one), and cart_items is read in place, not materialized. A partitioned build
    tests the days it rebuilt (doc block carts_window), so a daily run costs a day, not the facts'
    history; a full build tests every day. -#}
with

cart_items as not materialized (

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

product_spans as (

    {{ superseded_at_spans('product_versions', 'product_id', ['product_sk', 'price']) }}

),

user_versions as (

    select
        user_sk,
        user_id,
        valid_from
    from {{ ref('dim_users') }}

),

user_spans as (

    {{ superseded_at_spans('user_versions', 'user_id', ['user_sk']) }}

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
    left join product_spans as in_effect
        on cart_items.product_id = in_effect.product_id
        and cart_items.ordered_at >= in_effect.valid_from
        and (in_effect.superseded_at is null or cart_items.ordered_at < in_effect.superseded_at)

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
    left join user_spans as in_effect
        on user_references.user_id = in_effect.user_id
        and user_references.ordered_at >= in_effect.valid_from
        and (in_effect.superseded_at is null or user_references.ordered_at < in_effect.superseded_at)

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
