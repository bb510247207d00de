{#- Fails on every version of a type 2 dimension that breaks the timeline of its key (column_name):
    versions must not be empty or overlap; the first starts at the beginning of time; each next one
    starts where the previous ended, unless the previous ended by the record's removal (the gap is
    the record's absence); only a version ended by removal or the current one ends without a
    successor; is_current is exactly valid_to = end of time. -#}
{% test scd2_versions_are_contiguous(model, column_name) %}

with

versions as (

    select
        {{ column_name }} as record_key,
        valid_from,
        valid_to,
        is_current,
        ended_by_removal,
        row_number() over by_key as position,
        lag(valid_to) over by_key as previous_valid_to,
        lag(ended_by_removal) over by_key as previous_ended_by_removal,
        lead(valid_from) over by_key as next_valid_from
    from {{ model }}
    window by_key as (partition by {{ column_name }} order by valid_from)

),

problems as (

    select
        *,
        case
            when valid_from >= valid_to then 'empty or inverted'
            when position = 1 and valid_from != {{ beginning_of_time() }}
                then 'first version not from the beginning of time'
            when valid_from < previous_valid_to then 'overlaps the previous version'
            when valid_from > previous_valid_to and not previous_ended_by_removal
                then 'gap after a version that was not removed'
            when valid_from = previous_valid_to and previous_ended_by_removal
                then 'removed version followed without a gap'
            when next_valid_from is null and valid_to != {{ end_of_time() }} and not ended_by_removal
                then 'last version ends without removal'
            when is_current != (valid_to = {{ end_of_time() }})
                then 'is_current disagrees with valid_to'
        end as problem
    from versions

)

select *
from problems
where problem is not null

{% endtest %}
