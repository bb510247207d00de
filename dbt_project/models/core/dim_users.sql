{{ config(indexes=[{'columns': ['user_id', 'valid_from']}]) }}
{#- Type 2, derived from every users snapshot batch: see the doc block scd2_from_batches. The index
    serves point-in-time lookups (doc block point_in_time): a key's version in effect at a moment. Plus
    one unknown member (doc block unknown_member), for carts of a user it never held. -#}
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

known_versions as (

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

),

unknown_member as (

    select

        ---------- ids
        {{ unknown_member_sk() }} as user_sk,
        {{ unknown_member_id() }} as user_id,

        ---------- strings: no personal data
        'unknown' as username,
        null::text as email,
        null::text as firstname,
        null::text as lastname,
        null::text as phone,

        ---------- address: the city, which marts carry, reads unknown
        'unknown' as city,
        null::text as street,
        null::integer as street_number,
        null::text as zipcode,
        null::numeric(9, 6) as latitude,
        null::numeric(9, 6) as longitude,

        ---------- version, validity, lineage
        {{ unknown_member_version() }}

),

final as (

    select * from known_versions
    union all
    select * from unknown_member

)

select * from final
