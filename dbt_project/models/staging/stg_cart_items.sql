{#- The lines of each cart's latest copy that has lines; stg_carts keeps the same copy (the same
    order of copies) unless its latest copy has none, which the join below drops. -#}
with

latest_copy_lines as (

    {{ latest_extract_rows(ref('stg_cart_item_partitions'), 'cart_id', tie_breaker='order_date desc') }}

),

carts as (

    select * from {{ ref('stg_carts') }}

),

final as (

    select
        latest_copy_lines.cart_item_id,
        latest_copy_lines.cart_id,
        latest_copy_lines.line_number,
        latest_copy_lines.product_id,
        latest_copy_lines.user_id,
        latest_copy_lines.quantity,
        latest_copy_lines.order_date
    from latest_copy_lines
    inner join carts
        on latest_copy_lines.cart_id = carts.cart_id
        and carts.line_count > 0

)

select * from final
