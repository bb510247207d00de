{#- One row per day from start_date to end_date inclusive, as column date_day.
    Both arguments are SQL expressions that evaluate to dates (scalar subqueries work). -#}
{% macro date_spine(start_date, end_date) -%}
    select
        series_day::date as date_day
    from generate_series(
        ({{ start_date }})::timestamp,
        ({{ end_date }})::timestamp,
        interval '1 day'
    ) as series_day
{%- endmacro %}
