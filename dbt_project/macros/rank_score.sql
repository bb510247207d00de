{#- A score of 1 to `buckets` from a rank() (1 = worst) among `population` rows: 1 + floor(buckets x the
    share of rows ranked strictly worse). Rows with equal values share a rank, so they share a score;
    a value shared by every row scores 1. Integer division is the floor here (both are positive). -#}
{% macro rank_score(rank, population, buckets=5) -%}
    (1 + {{ buckets }} * ({{ rank }} - 1) / {{ population }})::integer
{%- endmacro %}
