{#- Bronze products and users are append-only snapshot batches sharing one extracted_at:
    the current state is the whole latest batch, so a record missing from it is gone. -#}
{% macro latest_snapshot_batch(relation) -%}
    select *
    from {{ relation }}
    where extracted_at = (select max(extracted_at) from {{ relation }})
{%- endmacro %}

{#- Daily partitions are replaced on re-run, but a record whose date moved upstream leaves a stale
    copy in its old partition: keep the most recently extracted copy of each key. -#}
{% macro latest_extract_per_key(relation, key, tie_breaker=none) -%}
    select distinct on ({{ key }}) *
    from {{ relation }}
    order by {{ key }}, extracted_at desc{% if tie_breaker %}, {{ tie_breaker }}{% endif %}
{%- endmacro %}

{#- Every row of each key's most recently extracted copy, for copies that span rows (a cart's lines):
    the rows ranked first by extracted_at (then the tie breaker) within the key, with that rank as
    extract_rank. A window, not a join back to the copies: no multi-column join to misestimate. -#}
{% macro latest_extract_rows(relation, key, tie_breaker=none) -%}
    select *
    from (
        select
            *,
            rank() over (
                partition by {{ key }}
                order by extracted_at desc{% if tie_breaker %}, {{ tie_breaker }}{% endif %}
            ) as extract_rank
        from {{ relation }}
    ) as ranked_copies
    where extract_rank = 1
{%- endmacro %}
