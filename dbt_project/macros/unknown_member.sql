{#- The unknown member of the type 2 dimensions (doc block unknown_member): the row a fact points at
    when the product or user it names has no version, i.e. the API never served it with valid values.
    API ids are positive, so its id cannot collide with a record's; its surrogate key follows the rule
    of every version's (macro version_key), the key of its one version valid from the beginning. -#}
{% macro unknown_member_id() -%}
    -1
{%- endmacro %}

{% macro unknown_member_sk() -%}
    {{ version_key(unknown_member_id(), beginning_of_time()) }}
{%- endmacro %}

{#- The unknown member's version columns, version_number to last_seen_at as in every type 2 dimension:
    one version, valid for all time but not current, held by no batch. -#}
{% macro unknown_member_version() -%}
    1::bigint as version_number,
    {{ beginning_of_time() }} as valid_from,
    {{ end_of_time() }} as valid_to,
    false as is_current,
    false as ended_by_removal,
    null::timestamptz as first_seen_at,
    null::timestamptz as last_seen_at
{%- endmacro %}
