{#- Scores and segments: see the doc block mart_customer_rfm. A customer id the API never served is a
    customer like any other, named as the unknown member (doc block unknown_member). -#}
{%- set rfm_as_of = day_var('rfm_as_of') %}
with

carts as (

    select
        user_id,
        order_date,
        cart_revenue
    from {{ ref('fact_carts') }}

),

{#- The latest version of each user: the current username, or the last one of a user who left. -#}
customers as (

    select distinct on (user_id)
        user_id,
        username
    from {{ ref('dim_users') }}
    where user_id != {{ unknown_member_id() }}
    order by user_id, valid_from desc

),

unknown_customer as (

    select username
    from {{ ref('dim_users') }}
    where user_id = {{ unknown_member_id() }}

),

{#- rfm_as_of when set, else the latest cart date. -#}
as_of as (

    select
        coalesce(
            {{ "'" ~ rfm_as_of ~ "'" if rfm_as_of is not none else 'null' }}::date,
            max(order_date)
        ) as as_of_date
    from carts

),

customer_carts as (

    select
        carts.user_id,
        as_of.as_of_date - max(carts.order_date) as recency_days,
        count(*) as frequency,
        sum(carts.cart_revenue) as monetary
    from carts
    inner join as_of
        on carts.order_date <= as_of.as_of_date
    group by
        carts.user_id,
        as_of.as_of_date

),

{#- Each measure ranked from worst to best: a customer's rank is 1 + the customers doing strictly worse,
    equal values sharing it. -#}
ranked as (

    select
        *,
        rank() over (order by recency_days desc) as recency_rank,
        rank() over (order by frequency) as frequency_rank,
        rank() over (order by monetary) as monetary_rank,
        count(*) over () as customers
    from customer_carts

),

{#- Scores by rank (doc block mart_customer_rfm), so equal behaviour scores equal. -#}
scored as (

    select
        *,
        {{ rank_score('recency_rank', 'customers') }} as r_score,
        {{ rank_score('frequency_rank', 'customers') }} as f_score,
        {{ rank_score('monetary_rank', 'customers') }} as m_score
    from ranked

),

final as (

    select
        scored.user_id,
        coalesce(customers.username, unknown_customer.username) as username,
        scored.recency_days,
        scored.frequency,
        {{ money('scored.monetary') }} as monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        case
            when scored.r_score >= 4 and scored.f_score >= 4 and scored.m_score >= 4 then 'champions'
            when scored.r_score >= 3 and scored.f_score >= 4 then 'loyal'
            when scored.r_score >= 4 then 'potential'
            when scored.r_score <= 2 and scored.f_score >= 3 then 'at risk'
            when scored.r_score = 1 then 'lost'
            else 'needs attention'
        end as rfm_segment
    from scored
    left join customers
        on scored.user_id = customers.user_id
    cross join unknown_customer

)

select
    user_id,
    username,
    recency_days,
    frequency,
    monetary,
    r_score,
    f_score,
    m_score,
    rfm_segment
from final
