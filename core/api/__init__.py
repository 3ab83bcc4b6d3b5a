"""The GraphQL API: the public contract (``shared/spec/contract.graphql``) over HTTP.

One concept per module:

``scalars``        Date, Decimal (yuan as "1600.00") and JSON on the wire
``enums``          the contract's enums (Relation, Employment, ...)
``inputs``         HouseholdInput and its parts, and their conversion to ``core.model``
``types``          what the API answers with (Tenant, Parameter, Evaluation, Case ...)
``policy``         published policy: tenants, parameters, evaluate, compare
``cases_gateway``  case files and statistics, handed over from the case service as they are
``errors``         every refusal as a GraphQL error with ``extensions.code``
``limits``         bounds on what one request may ask (depth, aliases, tokens, bytes), and
                   the cache of parsed and validated query texts
``planned``        planned execution of the common policy queries (graphql-core for the rest)
``together``       concurrent ``evaluate`` requests of a worker evaluated as one batch
``context``        what every resolver receives (the registry; later principal and db)
``schema``         Query, Mutation and the strawberry schema
``view``           the HTTP endpoint at ``/graphql`` (JSON in and out, GraphiQL)
``lane``           the short way: planned anonymous queries answered in a middleware
``app``            the Litestar application factory
``server``         ``bangfu serve``: uvicorn with worker processes

Nothing here imports the web stack at package import time, so the CLI stays fast.
"""
