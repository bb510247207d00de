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
