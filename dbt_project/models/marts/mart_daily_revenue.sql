with

carts as (

    select
        user_id,
        order_date,
        units,
        cart_revenue
    from {{ ref('fact_carts') }}

),

calendar as (

    select
        date_day,
        is_weekend
    from {{ ref('dim_date') }}

),

daily_totals as (

    select
        order_date,
        count(*) as carts,
        sum(units)::bigint as units,
        sum(cart_revenue) as revenue,
        count(distinct user_id) as distinct_customers
    from carts
    group by order_date

),

sales_span as (

    select
        min(order_date) as first_day,
        max(order_date) as last_day
    from daily_totals

),

{#- Every calendar day of the span, days without carts as zeros, so the windows below count days. -#}
days as (

    select
        calendar.date_day as order_date,
        calendar.is_weekend,
        coalesce(daily_totals.carts, 0) as carts,
        coalesce(daily_totals.units, 0) as units,
        coalesce(daily_totals.revenue, 0) as revenue,
        coalesce(daily_totals.distinct_customers, 0) as distinct_customers
    from calendar
    inner join sales_span
        on calendar.date_day between sales_span.first_day and sales_span.last_day
    left join daily_totals
        on calendar.date_day = daily_totals.order_date

),

final as (

    select
        order_date,
        carts,
        units,
        {{ money('revenue') }} as revenue,
        distinct_customers,
        {{ money('case when carts > 0 then revenue / carts else 0 end') }} as avg_cart_value,
        {{ money('sum(revenue) over last_seven_days') }} as revenue_7d_moving,
        {{ money('revenue - lag(revenue, 7) over by_day') }} as revenue_wow_change,
        is_weekend
    from days
    window
        by_day as (order by order_date),
        last_seven_days as (order by order_date rows between 6 preceding and current row)

)

select
    order_date,
    carts,
    units,
    revenue,
    distinct_customers,
    avg_cart_value,
    revenue_7d_moving,
    revenue_wow_change,
    is_weekend
from final
