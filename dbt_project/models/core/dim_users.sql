{{ config(indexes=[{'columns': ['user_id', 'valid_from']}]) }}
{#- Type 2, derived from every users snapshot batch: see the doc block scd2_from_batches. The index
    serves point-in-time lookups (doc block point_in_time): a key's version in effect at a moment. -#}
with

user_batches as (

    select
        user_id,
        city,
        street,
        street_number,
        zipcode,
        latitude,
        longitude,
        username,
        email,
        firstname,
        lastname,
        phone,
        extracted_at
    from {{ ref('stg_user_batches') }}

),

versions as (

    {{ snapshot_batch_versions(
        'user_batches',
        key='user_id',
        tracked_columns=['city', 'street', 'street_number', 'zipcode', 'latitude', 'longitude'],
        attribute_columns=['username', 'email', 'firstname', 'lastname', 'phone']
    ) }}

),

final as (

    select

        ---------- ids
        {{ version_key('user_id', 'valid_from') }} as user_sk,
        user_id,

        ---------- strings
        username,
        email,
        firstname,
        lastname,
        phone,

        ---------- address
        city,
        street,
        street_number,
        zipcode,
        latitude,
        longitude,

        ---------- numerics
        version_number,

        ---------- validity
        valid_from,
        valid_to,
        is_current,
        ended_by_removal,

        ---------- lineage
        first_seen_at,
        last_seen_at

    from versions

)

select * from final
