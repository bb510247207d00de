{#- Fails on every key (column_name) of a type 2 dimension whose count of current versions is wrong:
    exactly one for each key in the latest of its snapshot batches (`batches`), none for the others. -#}
{% test one_current_version_per_record(model, column_name, batches) %}

with

current_versions as (

    select
        {{ column_name }} as record_key,
        count(*) as current_versions
    from {{ model }}
    where is_current
    group by {{ column_name }}

),

current_records as (

    select {{ column_name }} as record_key
    from ({{ latest_snapshot_batch(batches) }}) as latest_batch

)

select
    coalesce(current_records.record_key, current_versions.record_key) as record_key,
    current_records.record_key is not null as is_in_latest_batch,
    coalesce(current_versions.current_versions, 0) as current_versions
from current_records
full outer join current_versions
    on current_records.record_key = current_versions.record_key
where coalesce(current_versions.current_versions, 0)
    != case when current_records.record_key is null then 0 else 1 end

{% endtest %}
