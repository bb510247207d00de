{{ config(indexes=[{'columns': ['order_date']}]) }}
{#- Incremental by the carts window (folder config in dbt_project.yml, doc block carts_window),
    from the same window of fact_cart_items; a user with no version in effect is the unknown member
    (doc block unknown_member). dim_date: see fact_cart_items. -#}
-- depends_on: {{ ref('dim_date') }}
with

cart_partitions as (

    select * from {{ ref('stg_cart_partitions') }}
    where {{ carts_window('order_date') }}

),

cart_items as (

    select * from {{ ref('fact_cart_items') }}
    where {{ carts_window('order_date') }}

),

carts as (

    {{ latest_extract_per_key('cart_partitions', 'cart_id', tie_breaker='order_date desc') }}

),

user_versions as (

    {{ versions_in_effect(ref('dim_users'), 'user_id', ['user_sk']) }}

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
        coalesce(user_versions.user_sk, {{ unknown_member_sk() }}) as user_sk,

        ---------- dates
        carts.order_date,
        carts.ordered_at,

        ---------- numerics
        carts.line_count,
        coalesce(cart_totals.units, 0) as units,
        {{ money('coalesce(cart_totals.cart_revenue, 0)') }} as cart_revenue

    from carts
    left join user_versions
        on carts.user_id = user_versions.user_id
        and carts.ordered_at >= user_versions.valid_from
        and carts.ordered_at < user_versions.in_effect_until
    left join cart_totals
        on carts.cart_id = cart_totals.cart_id

)

select * from final
