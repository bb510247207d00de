with

latest_batch as (

    {{ latest_snapshot_batch(ref('stg_user_batches')) }}

)

select * from latest_batch
