{#- A currency amount rounded to cents; precision 14 leaves room for sums of many lines. -#}
{% macro money(expression, precision=14) -%}
    round(({{ expression }})::numeric, 2)::numeric({{ precision }}, 2)
{%- endmacro %}
