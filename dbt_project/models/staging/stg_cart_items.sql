with

source as (

    {{ latest_extract_per_key(source('bronze', 'carts'), 'cart_id', tie_breaker='partition_date desc') }}

),

cart_lines as (

    select
        source.cart_id,
        source.partition_date,
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
        partition_date as order_date

    from cart_lines

)

select * from renamed
