{{ config(indexes=[{'columns': ['product_id', 'valid_from']}]) }}
{#- Type 2, derived from every catalogue snapshot batch: see the doc block scd2_from_batches. The index
    serves point-in-time lookups (doc block point_in_time): a key's version in effect at a moment. Plus
    one unknown member (doc block unknown_member), for cart lines naming a product it never held. -#}
with

product_batches as (

    select
        product_id,
        title_trimmed as title,
        category,
        price,
        description,
        image_url,
        rating_rate,
        rating_count,
        extracted_at
    from {{ ref('stg_product_batches') }}

),

versions as (

    {{ snapshot_batch_versions(
        'product_batches',
        key='product_id',
        tracked_columns=['price', 'title', 'category'],
        attribute_columns=['description', 'image_url', 'rating_rate', 'rating_count']
    ) }}

),

known_versions as (

    select

        ---------- ids
        {{ version_key('product_id', 'valid_from') }} as product_sk,
        product_id,

        ---------- strings
        title,
        category,
        description,
        image_url,

        ---------- numerics
        price,
        rating_rate,
        rating_count,
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
        {{ unknown_member_sk() }} as product_sk,
        {{ unknown_member_id() }} as product_id,

        ---------- strings
        'unknown' as title,
        'unknown' as category,
        null::text as description,
        null::text as image_url,

        ---------- numerics: no price, so a line on it has no revenue
        null::numeric(12, 2) as price,
        null::numeric(4, 2) as rating_rate,
        null::integer as rating_count,

        ---------- version, validity, lineage
        {{ unknown_member_version() }}

),

final as (

    select * from known_versions
    union all
    select * from unknown_member

)

select * from final
