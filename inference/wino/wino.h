void camviz_wino_in(const float *x, int h, int w, int pt, int pl, int ty0, int ty1, int tw,
                    int c0, int c1, int cin, float *v, long ld, long t0);
void camviz_wino_out(const float *m, int ho, int wo, int ty0, int ty1, int tw, int k0, int k1,
                     int cout, const float *bias, float *out, long ld, long t0);
void camviz_wino4_in(const float *x, int h, int w, int pt, int pl, int ty0, int ty1, int tw,
                     int c0, int c1, int cin, float *v, long ld, long t0, int wide);
void camviz_wino4_out(const float *m, int ho, int wo, int ty0, int ty1, int tw, int k0, int k1,
                      int cout, const float *bias, float *out, long ld, long t0, int wide);
void camviz_wino4_in512(const float *x, int h, int w, int pt, int pl, int ty0, int ty1, int tw,
                        int c0, int c1, int cin, float *v, long ld, long t0);
void camviz_wino4_out512(const float *m, int ho, int wo, int ty0, int ty1, int tw, int k0, int k1,
                         int cout, const float *bias, float *out, long ld, long t0);
