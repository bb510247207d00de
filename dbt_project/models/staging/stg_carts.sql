{{ config(materialized='table') }}
{#- A table, not a view: it de-duplicates every cart in history, and its tests would each
    repeat that (a dozen passes over bronze's payloads at a million carts, not one). -#}
with

latest_copies as (

    {{ latest_extract_per_key(ref('stg_cart_partitions'), 'cart_id', tie_breaker='order_date desc') }}

)

select * from latest_copies
