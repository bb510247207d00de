{#- The day `name` as a 'YYYY-MM-DD' string, or none when unset: the var of that name or, when that is
    unset, the env var FAKESTORE_DBT_<NAME>. Dagster passes the carts window so: a change of --vars
    makes dbt parse the whole project again, while an env var read only at execution (never while
    parsing) leaves the parse valid. An unquoted YAML date arrives as a date: its string is the ISO
    day all the same. Anything else is a compilation error. -#}
{% macro day_var(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none and execute -%}
        {%- set value = env_var('FAKESTORE_DBT_' ~ name | upper, '') or none -%}
    {%- endif -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set day = value | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', day) -%}
        {{ exceptions.raise_compiler_error(
            "the var " ~ name ~ " is a day like 2020-03-01, got '" ~ day ~ "'"
        ) }}
    {%- endif -%}
    {{ return(day) }}
{%- endmacro %}
