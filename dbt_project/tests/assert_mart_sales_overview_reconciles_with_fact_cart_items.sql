{#- The mart drops no line and counts none twice: its revenue and units add up to the fact's. -#}
with

mart as (

    select
        coalesce(sum(gross_revenue), 0) as gross_revenue,
        coalesce(sum(units_sold), 0) as units_sold
    from {{ ref('mart_sales_overview') }}

),

fact as (

    select
        coalesce(sum(line_revenue), 0) as line_revenue,
        coalesce(sum(quantity), 0) as quantity
    from {{ ref('fact_cart_items') }}

)

select
    mart.gross_revenue,
    fact.line_revenue,
    mart.units_sold,
    fact.quantity
from mart
cross join fact
where mart.gross_revenue != fact.line_revenue
    or mart.units_sold != fact.quantity
