# Create a customer (Stripe API reference style).
curl https://api.stripe.com/v1/customers \
  -u "sk_test_4eC39HqLyjWDarjtT1zdp7dc:" \
  -d name="Jenny Rosen" \
  --data-urlencode email="jenny.rosen+test@example.com" \
  -d "metadata[order_id]"=6735

# List customers.
curl -G https://api.stripe.com/v1/customers \
  -u "sk_test_4eC39HqLyjWDarjtT1zdp7dc:" \
  -d limit=3
