with

source as (

    select * from {{ source('bronze', 'users') }}

),

renamed as (

    select

        ---------- ids
        user_id,

        ---------- strings
        payload ->> 'username' as username,
        payload ->> 'email' as email,
        payload -> 'name' ->> 'firstname' as firstname,
        payload -> 'name' ->> 'lastname' as lastname,
        payload ->> 'phone' as phone,

        ---------- address: the city normalized for grouping (the API mixes `raleigh` and `Boston`)
        initcap(btrim(payload -> 'address' ->> 'city')) as city,
        payload -> 'address' ->> 'street' as street,
        (payload -> 'address' ->> 'number')::integer as street_number,
        payload -> 'address' ->> 'zipcode' as zipcode,

        ---------- numerics
        nullif(payload -> 'address' -> 'geolocation' ->> 'lat', '')::numeric(9, 6) as latitude,
        nullif(payload -> 'address' -> 'geolocation' ->> 'long', '')::numeric(9, 6) as longitude,

        ---------- lineage
        extracted_at,
        run_id

    from source

)

select * from renamed
