with

carts as (

    select
        user_id,
        order_date,
        cart_revenue
    from {{ ref('fact_carts') }}

),

calendar as (

    select
        date_day,
        month_start
    from {{ ref('dim_date') }}

),

customer_months as (

    select
        carts.user_id,
        calendar.month_start as activity_month,
        sum(carts.cart_revenue) as revenue
    from carts
    inner join calendar
        on carts.order_date = calendar.date_day
    group by
        carts.user_id,
        calendar.month_start

),

cohorts as (

    select
        user_id,
        min(activity_month) as cohort_month
    from customer_months
    group by user_id

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers
    from cohorts
    group by cohort_month

),

cohort_activity as (

    select
        cohorts.cohort_month,
        customer_months.activity_month,
        count(*) as active_customers,
        sum(customer_months.revenue) as revenue
    from customer_months
    inner join cohorts
        on customer_months.user_id = cohorts.user_id
    group by
        cohorts.cohort_month,
        customer_months.activity_month

),

{#- Every month from the cohort's first to the calendar's last, months without activity as zeros. -#}
calendar_months as (

    select distinct month_start
    from calendar

),

cohort_grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        calendar_months.month_start as activity_month
    from cohort_sizes
    inner join calendar_months
        on calendar_months.month_start >= cohort_sizes.cohort_month

),

final as (

    select
        cohort_grid.cohort_month,
        (
            (extract(year from cohort_grid.activity_month) - extract(year from cohort_grid.cohort_month)) * 12
            + extract(month from cohort_grid.activity_month) - extract(month from cohort_grid.cohort_month)
        )::integer as months_since,
        cohort_grid.cohort_customers,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        {{ money('coalesce(cohort_activity.revenue, 0)') }} as revenue,
        {{ share('coalesce(cohort_activity.active_customers, 0)', 'cohort_grid.cohort_customers') }} as retention_share
    from cohort_grid
    left join cohort_activity
        on cohort_grid.cohort_month = cohort_activity.cohort_month
        and cohort_grid.activity_month = cohort_activity.activity_month

)

select
    cohort_month,
    months_since,
    cohort_customers,
    active_customers,
    revenue,
    retention_share
from final
