{#- A mart that adds up the facts drops no line and counts none twice: its total revenue (and units,
    where it has them) equal fact_cart_items' line_revenue and quantity. One row when they differ. -#}
{% test reconciles_with_fact_cart_items(model, revenue_column, units_column=none) %}

with

mart as (

    select
        coalesce(sum({{ revenue_column }}), 0) as revenue,
        {% if units_column is not none -%}
        coalesce(sum({{ units_column }}), 0)
        {%- else -%}
        null::numeric
        {%- endif %} as units
    from {{ model }}

),

fact as (

    select
        coalesce(sum(line_revenue), 0) as revenue,
        coalesce(sum(quantity), 0) as units
    from {{ ref('fact_cart_items') }}

)

select
    mart.revenue as mart_revenue,
    fact.revenue as fact_revenue,
    mart.units as mart_units,
    fact.units as fact_units
from mart
cross join fact
where mart.revenue != fact.revenue
    or mart.units != fact.units

{% endtest %}
