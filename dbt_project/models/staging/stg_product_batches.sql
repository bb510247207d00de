with

source as (

    select * from {{ source('bronze', 'products') }}

),

renamed as (

    select

        ---------- ids
        product_id,

        ---------- strings
        payload ->> 'title' as title,
        btrim(payload ->> 'title') as title_trimmed,
        payload ->> 'description' as description,
        payload ->> 'category' as category,
        payload ->> 'image' as image_url,

        ---------- numerics
        (payload ->> 'price')::numeric(12, 2) as price,
        (payload -> 'rating' ->> 'rate')::numeric(4, 2) as rating_rate,
        (payload -> 'rating' ->> 'count')::integer as rating_count,

        ---------- lineage
        extracted_at,
        run_id

    from source

)

select * from renamed
