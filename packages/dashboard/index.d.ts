/** The built dashboard (`npm run build`): index.html and assets/, for the coordinator to serve. */
export declare const dashboardDir: string;
