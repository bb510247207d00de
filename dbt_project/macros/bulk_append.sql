{#- The partitioned facts' incremental strategy: dbt's append, except when the window brings more rows
    than the table keeps (a backfill of most of history, a whole rebuild). Then the table's indexes and
    key are dropped before the insert and built again after it: building an index over a million carts'
    lines costs half of keeping it up to date row by row. It all runs in the model's transaction with
    the pre-hook's delete; the drop's lock makes readers wait for the commit instead of seeing a table
    without its window. A daily run keeps the indexes: the table keeps far more rows than it gains. -#}
{% macro get_incremental_bulk_append_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set indexes = indexes_to_rebuild(target, source) -%}
    {%- for index in indexes %}
    {{ index['drop_sql'] }};
    {%- endfor %}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }};
    {%- for index in indexes %}
    {{ index['create_sql'] }};
    {%- endfor %}
{%- endmacro %}

{#- The statements that drop and re-create the target's key and indexes, or none when the target
    keeps at least as many rows as the source adds (counted no further than that). -#}
{% macro indexes_to_rebuild(target, source) -%}
    {%- set gained = run_query('select count(*) from ' ~ source).columns[0].values()[0] -%}
    {%- set kept = run_query(
        'select count(*) from (select from ' ~ target ~ ' limit ' ~ gained ~ ') as kept'
    ).columns[0].values()[0] -%}
    {%- if kept >= gained -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set statements -%}
        select
            format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop_sql,
            format(
                'alter table %s add constraint %I %s',
                conrelid::regclass, conname, pg_get_constraintdef(oid)
            ) as create_sql
        from pg_constraint
        where conrelid = '{{ target }}'::regclass
            and contype in ('p', 'u')
        union all
        select
            format('drop index %s', indexrelid::regclass) as drop_sql,
            pg_get_indexdef(indexrelid) as create_sql
        from pg_index
        where indrelid = '{{ target }}'::regclass
            and not exists (
                select from pg_constraint
                where conindid = indexrelid and contype in ('p', 'u')
            )
    {%- endset -%}
    {{ return(run_query(statements).rows | list) }}
{%- endmacro %}
