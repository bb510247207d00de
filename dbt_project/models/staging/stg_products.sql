with

latest_batch as (

    {{ latest_snapshot_batch(ref('stg_product_batches')) }}

)

select * from latest_batch
