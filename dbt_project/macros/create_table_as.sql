{#- A table with an enforced contract (the marts, the partitioned facts' first or full build), built by
    create-table-as and then given its contract's constraints by one alter table. dbt-postgres
    creates the table with its constraints and then runs `insert ... select`, which PostgreSQL never
    plans with parallel workers; a create-table-as can have them. dbt's pre-flight check of the
    columns' names and types still runs first, each column is cast to the type its contract names
    (the table ends up with the same types as dbt's), and the alter table runs in the model's
    transaction: a row breaking a constraint fails the model and leaves the previous table in place.
    Temporary tables, models without a contract and contracts with a custom constraint (which only
    a create table can take) keep dbt-postgres's own build. -#}
{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if temporary or not contract_config.enforced or contract_has_custom_constraint() -%}
        {{ return(dbt.postgres__create_table_as(temporary, relation, sql)) }}
    {%- endif -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    {{ get_assert_columns_equivalent(sql) }}
    create {% if config.get('unlogged', default=false) %}unlogged {% endif %}table {{ relation }} as
    select
    {%- for column in model['columns'].values() %}
        {%- set name = adapter.quote(column['name']) if column.get('quote') else column['name'] %}
        {{ name }}::{{ column['data_type'] }} as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
    from (
        {{ sql }}
    ) as model_subq;
    {%- set constraints = contract_constraints_ddl() %}
    {%- if constraints %}
    alter table {{ relation }}
        {{ constraints | join(",\n        ") }};
    {%- endif %}
{%- endmacro %}

{#- Whether the model's contract has a custom constraint (free DDL for a column or the table). -#}
{% macro contract_has_custom_constraint() -%}
    {%- set constraints = model['constraints'] | list -%}
    {%- for column in model['columns'].values() -%}
        {%- do constraints.extend(column.get('constraints') or []) -%}
    {%- endfor -%}
    {{ return(constraints | selectattr('type', 'equalto', 'custom') | list | length > 0) }}
{%- endmacro %}

{#- The contract's constraints as alter table actions: `alter column ... set not null` for a column's
    not null, `add ...` for the rest, each column's own rendered by dbt as a table constraint on that
    column (so a column's primary key, unique, check or foreign key reads as dbt renders the table's). -#}
{% macro contract_constraints_ddl() -%}
    {%- set actions = [] -%}
    {%- set table_constraints = [] -%}
    {%- for column in model['columns'].values() -%}
        {%- set name = adapter.quote(column['name']) if column.get('quote') else column['name'] -%}
        {%- for constraint in column.get('constraints') or [] -%}
            {%- if constraint['type'] == 'not_null' -%}
                {%- do actions.append('alter column ' ~ name ~ ' set not null') -%}
            {%- else -%}
                {%- set on_column = constraint.copy() -%}
                {%- do on_column.update({'columns': [name]}) -%}
                {%- do table_constraints.append(on_column) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do table_constraints.extend(model['constraints']) -%}
    {%- for rendered in adapter.render_raw_model_constraints(raw_constraints=table_constraints) -%}
        {%- do actions.append('add ' ~ rendered) -%}
    {%- endfor -%}
    {{ return(actions) }}
{%- endmacro %}
