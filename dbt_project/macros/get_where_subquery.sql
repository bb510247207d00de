{#- dbt's test `where` config, plus one form of our own: `carts_window(<column>)` keeps the carts
    partition window's days of that column (macro carts_window), so a partitioned build tests the days
    it rebuilt and a full build tests every day. yml configs cannot call macros; this is dbt's
    documented hook for filters that need one. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set window_form = 'carts_window(' -%}
    {%- if where and where.startswith(window_form) and where.endswith(')') -%}
        {%- set where = carts_window(where[(window_form | length):-1]) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
