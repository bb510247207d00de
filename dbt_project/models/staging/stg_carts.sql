with

latest_copies as (

    {{ latest_extract_per_key(ref('stg_cart_partitions'), 'cart_id', tie_breaker='order_date desc') }}

)

select * from latest_copies
