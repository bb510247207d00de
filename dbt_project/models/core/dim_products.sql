with

products as (

    select * from {{ ref('stg_products') }}

),

final as (

    select

        ---------- ids
        product_id,

        ---------- strings
        title_trimmed as title,
        category,
        description,
        image_url,

        ---------- numerics
        price,
        rating_rate,
        rating_count,

        ---------- lineage
        extracted_at as catalogue_extracted_at

    from products

)

select * from final
