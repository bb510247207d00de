with

source as (

    {{ latest_extract_per_key(source('bronze', 'carts'), 'cart_id', tie_breaker='partition_date desc') }}

),

renamed as (

    select

        ---------- ids
        cart_id,
        (payload ->> 'userId')::integer as user_id,

        ---------- numerics
        jsonb_array_length(payload -> 'products') as line_count,

        ---------- dates
        (payload ->> 'date')::timestamptz as ordered_at,
        partition_date as order_date,

        ---------- lineage
        extracted_at,
        run_id

    from source

)

select * from renamed
