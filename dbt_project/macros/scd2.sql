{#- The edges of time of every type 2 dimension: a record's first version is valid from the
    beginning, its last (while the record is still served) until the end. -#}
{% macro beginning_of_time() -%}
    '1900-01-01 00:00:00+00'::timestamptz
{%- endmacro %}

{% macro end_of_time() -%}
    '9999-12-31 00:00:00+00'::timestamptz
{%- endmacro %}

{#- Surrogate key of one version of a record: md5 of its id and valid_from, the timestamp spelled
    in UTC so the key does not depend on the session's TimeZone or DateStyle. -#}
{% macro version_key(key, valid_from) -%}
    md5(
        ({{ key }})::text
        || '|'
        || to_char(({{ valid_from }}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )
{%- endmacro %}

{#- Type 2 versions derived from append-only snapshot batches (see the doc block scd2_from_batches).
    `relation` holds one row per key and batch with the key, the tracked and attribute columns and
    extracted_at. A version starts where a key first appears, where it reappears after a batch that
    missed it, and where a tracked column changes from the key's previous batch; its attribute columns
    are those of its latest batch. -#}
{% macro snapshot_batch_versions(relation, key, tracked_columns, attribute_columns) -%}
    with

    batches as (

        select
            extracted_at,
            lead(extracted_at) over (order by extracted_at) as next_batch_at
        from (select distinct extracted_at from {{ relation }}) as batch_times

    ),

    observations as (

        select
            records.{{ key }},
            {%- for column in tracked_columns + attribute_columns %}
            records.{{ column }},
            {%- endfor %}
            records.extracted_at,
            batches.next_batch_at,
            (
                -- first appearance (no previous batch) or reappearance (not in the batch before)
                lag(batches.next_batch_at) over by_key is distinct from records.extracted_at
                {%- for column in tracked_columns %}
                or records.{{ column }} is distinct from lag(records.{{ column }}) over by_key
                {%- endfor %}
            ) as starts_version
        from {{ relation }} as records
        inner join batches
            on records.extracted_at = batches.extracted_at
        window by_key as (partition by records.{{ key }} order by records.extracted_at)

    ),

    numbered as (

        select
            *,
            sum(starts_version::integer) over (
                partition by {{ key }}
                order by extracted_at
                rows unbounded preceding
            ) as version_number
        from observations

    ),

    versions as (

        select distinct on ({{ key }}, version_number)
            *,
            min(extracted_at) over (partition by {{ key }}, version_number) as first_seen_at
        from numbered
        order by {{ key }}, version_number, extracted_at desc

    )

    select
        {{ key }},
        {%- for column in tracked_columns + attribute_columns %}
        {{ column }},
        {%- endfor %}
        version_number,
        case
            when version_number = 1 then {{ beginning_of_time() }}
            else first_seen_at
        end as valid_from,
        -- the batch after the version's last one: where the next version starts or the record went missing
        coalesce(next_batch_at, {{ end_of_time() }}) as valid_to,
        next_batch_at is null as is_current,
        next_batch_at is not null
            and next_batch_at is distinct from lead(first_seen_at) over by_version as ended_by_removal,
        first_seen_at,
        extracted_at as last_seen_at
    from versions
    window by_version as (partition by {{ key }} order by version_number)
{%- endmacro %}

{#- The versions of a type 2 dimension with the moment each stops being the one in effect: the next
    version's valid_from, or the end of time. Across a gap (the record missing from some batches, or
    gone for good) the last version before it stays in effect, so a fact dated in the gap still finds
    a version. Join on valid_from <= moment < in_effect_until. -#}
{% macro versions_in_effect(relation, key, columns) -%}
    select
        {{ key }},
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        valid_from,
        coalesce(
            lead(valid_from) over (partition by {{ key }} order by valid_from),
            {{ end_of_time() }}
        ) as in_effect_until
    from {{ relation }}
{%- endmacro %}

{#- Each row of the CTE `versions` (one per version of a key: `key`, `columns` and valid_from) with
    superseded_at, when the key's next version starts (null for its last). Found by a join, not a
    window, so a test restates the version in effect independently of versions_in_effect. -#}
{% macro superseded_at_spans(versions, key, columns) -%}
    {%- set kept = [key] + columns + ['valid_from'] %}
    select
        {%- for column in kept %}
        {{ versions }}.{{ column }},
        {%- endfor %}
        min(later.valid_from) as superseded_at
    from {{ versions }}
    left join {{ versions }} as later
        on {{ versions }}.{{ key }} = later.{{ key }}
        and later.valid_from > {{ versions }}.valid_from
    group by
        {%- for column in kept %}
        {{ versions }}.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
{%- endmacro %}
