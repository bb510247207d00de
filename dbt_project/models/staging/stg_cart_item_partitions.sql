{#- Every line of every copy of every cart in bronze, not deduplicated, so a filter on order_date
    reaches the partition_date index. -#}
with

source as (

    select * from {{ source('bronze', 'carts') }}

),

cart_lines as (

    select
        source.cart_id,
        source.partition_date,
        source.extracted_at,
        source.payload,
        line.line_number,
        line.line_payload
    from source
    cross join lateral jsonb_array_elements(source.payload -> 'products')
        with ordinality as line (line_payload, line_number)

),

renamed as (

    select

        ---------- ids
        cart_id::text || '-' || line_number::text as cart_item_id,
        cart_id,
        line_number::integer as line_number,
        (line_payload ->> 'productId')::integer as product_id,
        (payload ->> 'userId')::integer as user_id,

        ---------- numerics
        (line_payload ->> 'quantity')::integer as quantity,

        ---------- dates
        partition_date as order_date,

        ---------- lineage
        extracted_at

    from cart_lines

)

select * from renamed
