with

users as (

    select * from {{ ref('stg_users') }}

),

final as (

    select

        ---------- ids
        user_id,

        ---------- strings
        username,
        email,
        firstname,
        lastname,
        phone,

        ---------- address
        city,
        street,
        street_number,
        zipcode,
        latitude,
        longitude,

        ---------- lineage
        extracted_at as users_extracted_at

    from users

)

select * from final
