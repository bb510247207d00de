{#- Every copy of every cart in bronze, not deduplicated: a plain projection of bronze.carts, so a
    filter on order_date reaches the partition_date index and a one-day read stays one day. -#}
with

source as (

    select * from {{ source('bronze', 'carts') }}

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
