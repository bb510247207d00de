{{ config(indexes=[{'columns': ['order_date']}, {'columns': ['cart_id']}]) }}
{#- Incremental by the carts window (folder config in dbt_project.yml, doc block carts_window); each
    line priced point in time (doc block point_in_time), a product or user with no version in effect
    taken as the unknown member (doc block unknown_member). Bronze's carts are read through staging's
    partition views only; Dagster maps partition D here to partition D of bronze/carts through them
    (their meta partition_view). dim_date is read by no column, only by the order_date relationships
    test, which dbt's buildable selection runs only when every model it reads is upstream of the
    facts' build. -#}
-- depends_on: {{ ref('dim_date') }}
with

cart_partitions as (

    select * from {{ ref('stg_cart_partitions') }}
    where {{ carts_window('order_date') }}

),

cart_item_partitions as (

    select * from {{ ref('stg_cart_item_partitions') }}
    where {{ carts_window('order_date') }}

),

carts as (

    {{ latest_extract_per_key('cart_partitions', 'cart_id', tie_breaker='order_date desc') }}

),

{#- The lines of each cart's latest copy in the window that has lines: those of the copy `carts` keeps,
    unless that copy has no lines (the join drops them then). -#}
cart_lines as (

    {{ latest_extract_rows('cart_item_partitions', 'cart_id', tie_breaker='order_date desc') }}

),

product_versions as (

    {{ versions_in_effect(ref('dim_products'), 'product_id', ['product_sk', 'price']) }}

),

user_versions as (

    {{ versions_in_effect(ref('dim_users'), 'user_id', ['user_sk']) }}

),

final as (

    select

        ---------- ids
        cart_lines.cart_item_id,
        cart_lines.cart_id,
        cart_lines.line_number,
        cart_lines.product_id,
        coalesce(product_versions.product_sk, {{ unknown_member_sk() }}) as product_sk,
        carts.user_id,
        coalesce(user_versions.user_sk, {{ unknown_member_sk() }}) as user_sk,

        ---------- dates
        carts.order_date,
        carts.ordered_at,

        ---------- numerics: an unknown product's price is unknown, not zero
        cart_lines.quantity,
        product_versions.price as unit_price,
        {{ money('cart_lines.quantity * product_versions.price') }} as line_revenue

    from cart_lines
    inner join carts
        on cart_lines.cart_id = carts.cart_id
        and carts.line_count > 0
    left join product_versions
        on cart_lines.product_id = product_versions.product_id
        and carts.ordered_at >= product_versions.valid_from
        and carts.ordered_at < product_versions.in_effect_until
    left join user_versions
        on carts.user_id = user_versions.user_id
        and carts.ordered_at >= user_versions.valid_from
        and carts.ordered_at < user_versions.in_effect_until

)

select * from final
