{#- The bronze contract: a cart's partition_date (our order_date) is the UTC day of its date. -#}
select
    cart_id,
    ordered_at,
    order_date
from {{ ref('stg_carts') }}
where order_date != (ordered_at at time zone 'UTC')::date
