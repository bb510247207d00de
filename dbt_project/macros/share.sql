{#- A part's share of a whole, 0 to 1 with six decimals; null when the whole is zero. -#}
{% macro share(part, whole) -%}
    round(({{ part }})::numeric / nullif({{ whole }}, 0), 6)::numeric(7, 6)
{%- endmacro %}
