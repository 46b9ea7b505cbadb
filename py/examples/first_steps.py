import sdsl_laws
fit = sdsl_laws.fit_loss("datasets/chinchilla/svg_extracted_data.csv", drop_highest=5)
print(fit["params"])                                   # E 1.81722, A 477.8, B 2143.4, alpha 0.34731, beta 0.36717
r = sdsl_laws.predict(target="OPT-13B", draft_family="OPT", cost_model="latency:h200-graph")
print(sdsl_laws.to_frame(r, "family_drafts"))          # the OPT drafts, priced on measured H200 times
