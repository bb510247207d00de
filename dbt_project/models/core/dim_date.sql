{#- Whole calendar months around the carts: from the first of the month of the earliest order to the
    last day of the month of the latest, so every order_date has a row. -#}
with

carts as (

    select * from {{ ref('stg_carts') }}

),

bounds as (

    select
        date_trunc('month', min(order_date))::date as first_day,
        (date_trunc('month', max(order_date)) + interval '1 month - 1 day')::date as last_day
    from carts

),

spine as (

    {{ date_spine(
        start_date='(select first_day from bounds)',
        end_date='(select last_day from bounds)'
    ) }}

),

final as (

    select

        ---------- dates
        date_day,
        date_trunc('week', date_day)::date as week_start,
        date_trunc('month', date_day)::date as month_start,
        (date_trunc('month', date_day) + interval '1 month - 1 day')::date as month_end,
        date_trunc('quarter', date_day)::date as quarter_start,

        ---------- numerics
        extract(year from date_day)::integer as year,
        extract(quarter from date_day)::integer as quarter,
        extract(month from date_day)::integer as month,
        extract(day from date_day)::integer as day_of_month,
        extract(isodow from date_day)::integer as day_of_week,
        extract(doy from date_day)::integer as day_of_year,
        extract(isoyear from date_day)::integer as iso_year,
        extract(week from date_day)::integer as iso_week,

        ---------- strings
        trim(to_char(date_day, 'Month')) as month_name,
        trim(to_char(date_day, 'Day')) as day_name,

        ---------- booleans
        extract(isodow from date_day) in (6, 7) as is_weekend

    from spine

)

select * from final
