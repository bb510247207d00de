{#- The carts partition window of this run, as (min_date, max_date): inclusive 'YYYY-MM-DD' days, the
    vars min_date and max_date or the env vars Dagster passes them in (macro day_var). None when
    neither is set: every day. -#}
{% macro carts_window_bounds() -%}
    {%- set min_date = day_var('min_date') -%}
    {%- set max_date = day_var('max_date') -%}
    {%- if min_date is none and max_date is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if min_date is none or max_date is none -%}
        {{ exceptions.raise_compiler_error(
            "the carts window needs both vars min_date and max_date, got min_date="
            ~ min_date ~ " and max_date=" ~ max_date
        ) }}
    {%- endif -%}
    {%- if min_date > max_date -%}
        {{ exceptions.raise_compiler_error(
            "the carts window is empty: min_date " ~ min_date ~ " is after max_date " ~ max_date
        ) }}
    {%- endif -%}
    {{ return((min_date, max_date)) }}
{%- endmacro %}

{#- A filter keeping the window's days of a date column; `true` without a window. -#}
{% macro carts_window(column) -%}
    {%- set bounds = carts_window_bounds() -%}
    {%- if bounds is none -%}
        true
    {%- else -%}
        {{ column }} between '{{ bounds[0] }}'::date and '{{ bounds[1] }}'::date
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the partitioned facts (see the doc block carts_window): an incremental run first
    deletes what it rebuilds, in the same transaction as the insert. That is every row of the window's
    days, so a day whose carts all vanished upstream ends up empty, and every row of a cart the window's
    partitions hold, so a cart whose date moved leaves its old day. Nothing on a first or full build. -#}
{% macro delete_carts_window() -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where {{ carts_window('order_date') }};
    {%- if carts_window_bounds() is not none %}
    delete from {{ this }}
    where cart_id in (
        select cart_id
        from {{ ref('stg_cart_partitions') }}
        where {{ carts_window('order_date') }}
    );
    {%- endif %}
    {%- endif %}
{%- endmacro %}
