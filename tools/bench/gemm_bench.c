// Times single-threaded sgemm on VGG16-shaped products through any CBLAS
// library opened at run time (OpenBLAS with OPENBLAS_CORETYPE, BLIS, …):
// how camviz compared kernel sets and libraries before choosing.
//   gcc -O2 tools/bench/gemm_bench.c -o /tmp/gemm_bench -ldl
//   OPENBLAS_CORETYPE=Haswell /tmp/gemm_bench /usr/lib/x86_64-linux-gnu/libopenblas.so.0
//   BLIS_NUM_THREADS=1 /tmp/gemm_bench /usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4
#include <stdio.h>
#include <stdlib.h>
#include <dlfcn.h>
#include <time.h>
typedef void (*sgemm_fn)(int,int,int,int,int,int,float,const float*,int,const float*,int,float,float*,int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  void*h=dlopen(argv[1],RTLD_NOW); if(!h){printf("%s\n",dlerror());return 1;}
  sgemm_fn f=(sgemm_fn)dlsym(h,"cblas_sgemm");
  void (*th)(int)=dlsym(h,"openblas_set_num_threads"); if(th)th(1);
  void (*bt)(long)=dlsym(h,"bli_thread_set_num_threads"); if(bt)bt(1);
  struct {const char*nm;int ta,tb,m,n,k;} s[]={{"conv3 fwd 256x3136x2304",111,111,256,3136,2304},{"conv1_2 fwd 64x50176x576",111,111,64,50176,576},
   {"conv bwd (At) 2304x3136x256",112,111,2304,3136,256},{"fc6 fwd m=4 4x4096x25088 (Bt)",111,112,4,4096,25088},{"fc6 bwd m=1 1x25088x4096",111,111,1,25088,4096}};
  for(int i=0;i<5;i++){int m=s[i].m,n=s[i].n,k=s[i].k;
    float*a=malloc(4L*m*k),*b=malloc(4L*k*n),*c=malloc(4L*m*n);
    for(long j=0;j<(long)m*k;j++)a[j]=(j%7)*0.1f; for(long j=0;j<(long)k*n;j++)b[j]=(j%5)*0.1f;
    int lda=s[i].ta==111?k:m, ldb=s[i].tb==111?n:k;
    f(101,s[i].ta,s[i].tb,m,n,k,1,a,lda,b,ldb,0,c,n);
    double best=1e9; for(int r=0;r<3;r++){double t=now();f(101,s[i].ta,s[i].tb,m,n,k,1,a,lda,b,ldb,0,c,n);t=now()-t;if(t<best)best=t;}
    printf("  %-34s %8.1f ms %6.1f GFLOP/s\n",s[i].nm,best*1e3,2.0*m*n*k/best/1e9); free(a);free(b);free(c);}
}
