{#- The var `name` as a 'YYYY-MM-DD' string, or none when unset. An unquoted YAML date arrives as a
    date: its string is the ISO day all the same. Anything else is a compilation error. -#}
{% macro day_var(name) -%}
    {%- set value = var(name, none) -%}
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
