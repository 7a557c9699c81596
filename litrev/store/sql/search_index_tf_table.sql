-- name: search_index_tf_table
-- description: The term frequencies of one stemmer's texts while its index is built (per text
--   and term, how often the term occurs), filled slice by slice by search_index_tf.
CREATE OR REPLACE TEMPORARY TABLE search_tf (docid BIGINT, term VARCHAR, tf BIGINT)
